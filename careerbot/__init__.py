"""The app surfaces on top of everything else: the ``careerbot`` command, the web
chat and admin page, and the visitors' votes."""
