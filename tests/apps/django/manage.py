#!/usr/bin/env python3
"""manage.py of the throwaway Django site the real-app tests drive (see settings.py)."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem_site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
