"""Start the web chat: shared by `python app.py` and `careerbot serve`."""

from __future__ import annotations

import os


def main() -> None:
    """Serve on CAREERBOT_HOST:CAREERBOT_PORT with analytics off and no hub access."""
    # Gradio and huggingface_hub read these when imported; set them first.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from careerbot.web import serve
    from core.config import Settings

    serve(Settings())
