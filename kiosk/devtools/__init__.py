"""Tools for developers and demos, not for the centre's work: the demo data behind ``flask seed-demo``
(:mod:`kiosk.devtools.demo`) and the switchboard simulator behind ``flask cti-simulate``
(:mod:`kiosk.devtools.cti_simulator`). Nothing in the app's pages imports them."""
