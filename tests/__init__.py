"""The test suite, a package tree that mirrors the shipped packages.

Every test folder has an ``__init__.py`` so pytest (``prepend`` import mode) imports
``tests/nlp/test_x.py`` as ``tests.nlp.test_x`` and puts only the repository root on
``sys.path``. Without them pytest would put each test's own folder (and ``tests/``, for the
root conftest) there, and ``tests/nlp`` would shadow the real ``nlp`` package.
Helpers are imported one way: ``from tests.api.apitools import …``,
``from tests.bot.harness import …``.
"""
