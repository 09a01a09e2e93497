"""Prefect flows and the command line. The only package that imports prefect."""
