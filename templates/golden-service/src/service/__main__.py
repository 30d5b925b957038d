from __future__ import annotations

import os

from service.app import serve

serve(int(os.environ.get("PORT", "8080"))).serve_forever()
