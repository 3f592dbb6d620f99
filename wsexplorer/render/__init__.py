"""The one home of every view: HTML and text for people, matplotlib figures (imported when drawn).

``describe(obj)`` and ``html(obj)`` in :mod:`.describe` pick the one renderer of each object kind;
:mod:`.ipython` registers them with IPython so notebooks draw objects as HTML.
"""
