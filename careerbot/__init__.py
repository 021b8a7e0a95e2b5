"""The app surfaces on top of everything else: the ``careerbot`` command
(``careerbot.cli``), the web chat and admin page (``careerbot.web``, started by
``careerbot.serve.main`` and ``app.py``), and the visitors' votes
(``careerbot.feedback``). Nothing imports this package but ``app.py``."""
