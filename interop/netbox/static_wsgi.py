"""NetBox's WSGI application with its static files (CSS, JavaScript,
images) served too, for the suite's gunicorn (interop/servers/netbox.sh).

A real deployment serves /static/ from a web server in front of NetBox
(nginx, after `netbox collectstatic`); without them NetBox's pages redirect
to its "static media failure" page. Django's StaticFilesHandler (what
`runserver` uses) serves them from the installed package, uncollected,
so a browser (suite 80's screenshot) sees the pages as users do.
"""

from django.contrib.staticfiles.handlers import StaticFilesHandler
from netbox.wsgi import application as netbox

application = StaticFilesHandler(netbox)
