"""Staff insights (`make insights`): what citizens ask, what the assistant could not answer, and how
hand-offs went, read from the deployment's own stores (the tracker store's `events` table and the
hand-off case store). Writes reports/insights.html, reports/insights.json and
reports/insights-unanswered.yml; imports nothing from Rasa at run time but its endpoints reader."""
