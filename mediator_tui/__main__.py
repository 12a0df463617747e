import sys

from mediator_tui.commands.cli import main

sys.exit(main())
