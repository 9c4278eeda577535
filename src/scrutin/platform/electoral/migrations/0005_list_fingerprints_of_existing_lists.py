"""Store the count and fingerprint of every list imported before they were kept (0002), at
upgrade time rather than in the first page that reads them (a national page would otherwise
hash every elector of the nation in one request)."""

from django.db import migrations
from django.utils import timezone


def store(apps, schema_editor):  # type: ignore[no-untyped-def]
    from scrutin.platform.electoral.fingerprints import urn_fingerprint

    Urn = apps.get_model("electoral", "Urn")
    Elector = apps.get_model("electoral", "Elector")
    ListFingerprint = apps.get_model("electoral", "ListFingerprint")
    now = timezone.now()
    for urn in Urn.objects.filter(list_fingerprint__isnull=True).iterator():
        count, sha256 = urn_fingerprint(urn, Elector.objects)
        ListFingerprint.objects.create(urn_id=urn.id, count=count, sha256=sha256, computed_at=now)


class Migration(migrations.Migration):
    dependencies = [("electoral", "0004_elector_list_indexes")]

    operations = [migrations.RunPython(store, migrations.RunPython.noop)]
