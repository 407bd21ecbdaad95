"""Link health: every external link of the issues checked over HTTP, politely, with its verdict
cached for a day and an archived copy proposed for a dead one (`bulletin links`)."""
