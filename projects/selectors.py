"""Reads shared by the public pages, built to a fixed number of queries."""
