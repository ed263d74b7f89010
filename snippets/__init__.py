"""The generator: the per-portal tracking script, its debug companion and per-event snippets.

Every user-supplied string reaches JavaScript or HTML only through ``snippets.escape``.
"""
