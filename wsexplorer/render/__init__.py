"""Presentation: HTML/text views and matplotlib figures drawn from codec objects and sessions.

Figures import matplotlib when they are drawn, never when this package is imported.
"""
