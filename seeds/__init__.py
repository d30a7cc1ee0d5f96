"""Demo data for Alignboard: deterministic generation (``seeds.generate``), bulk loading
(``seeds.load``), the ``python -m seeds`` command, and first-start seeding (``seeds.bootstrap``)."""
