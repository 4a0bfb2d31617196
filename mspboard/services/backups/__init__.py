"""Backups of the shop's database and their restore: `snapshot` writes one consistent copy
while the app serves, `manifest` describes and checks it, `retention` decides which to keep,
`restore` puts one back. The `flask backup` and `flask restore` commands call these."""
