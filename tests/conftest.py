pytest_plugins = ["tests.fixtures.mediators"]
