"""careerbot's web chat: `python app.py` (or `careerbot serve`) serves it.

Settings come from CAREERBOT_* variables or .env (see README); by default the
app listens on http://127.0.0.1:7860 and sends nothing off the machine.
"""

from careerbot.serve import main

if __name__ == "__main__":
    main()
