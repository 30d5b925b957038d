"""The offline engine: the real program and SDKs under Pulumi's mocks, no CLI, no cloud."""
