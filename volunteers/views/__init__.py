"""Front-end pages of the volunteers app, one module per sub-domain: rosters, shifts,
attendance, certificates. Views are thin: they read through selectors, check permissions and
call services, which hold the rules."""
