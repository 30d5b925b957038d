from __future__ import annotations

import io
from contextlib import redirect_stderr

from service import smoke
from tests._server import ServerCase


class SmokeTest(ServerCase):
    def test_a_running_service_passes(self) -> None:
        self.assertEqual(smoke.failures(self.base), [])
        self.assertEqual(smoke.main([self.base]), 0)

    def test_a_service_that_does_not_answer_fails(self) -> None:
        with redirect_stderr(io.StringIO()) as err:
            self.assertEqual(smoke.main(["http://127.0.0.1:9"]), 1)
        self.assertIn("smoke: http://127.0.0.1:9", err.getvalue())

    def test_a_missing_base_url_is_a_usage_error(self) -> None:
        with redirect_stderr(io.StringIO()):
            self.assertEqual(smoke.main([]), 2)
