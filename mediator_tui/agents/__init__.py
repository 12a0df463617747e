"""Agent engines behind one interface (see `interface`); of the tool they import only `mediator_tui.common`."""
