"""ECR: the inference images in the target region's registry, and the registry's replication to it."""

from __future__ import annotations

import re

from botocore.exceptions import ClientError

from evac.aws.clients import client
from evac.aws.errors import aws_errors, error_code
from evac.domain.ports import RegistryReplication
from evac.errors import ResourceNotFoundError

# <account>.dkr.ecr.<region>.amazonaws.com/<repository>[:<tag>|@<digest>]
_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/"
    r"(?P<repository>[^:@]+)(?::(?P<tag>[^@]+))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


def parse_image(image: str) -> dict[str, str | None]:
    """The parts of an ECR image URI; an image without tag or digest means ``latest``.

    >>> parse_image("123456789012.dkr.ecr.us-west-2.amazonaws.com/fraud-scoring-xgb:1.7-1")["repository"]
    'fraud-scoring-xgb'
    """
    found = _IMAGE.match(image)
    if found is None:
        raise ValueError(f"{image!r} is not an ECR image URI")
    parts = found.groupdict()
    if not parts["tag"] and not parts["digest"]:
        parts["tag"] = "latest"
    return parts


class EcrImages:
    def __init__(self, region: str, *, probe: bool = False) -> None:
        self.region = region
        self._ecr = client("ecr", region, probe=probe)

    def digest(self, image: str) -> str | None:
        """The digest ``image`` resolves to in this region's registry; None if the repository lacks it."""
        parts = parse_image(image)
        image_id = {"imageDigest": parts["digest"]} if parts["digest"] else {"imageTag": parts["tag"]}
        with aws_errors():
            try:
                found = self._ecr.describe_images(
                    registryId=parts["account"], repositoryName=parts["repository"], imageIds=[image_id]
                )["imageDetails"]
            except ClientError as exc:
                if error_code(exc) == "ImageNotFoundException":
                    return None
                if error_code(exc) == "RepositoryNotFoundException":
                    raise ResourceNotFoundError(
                        f"repository {parts['repository']} does not exist in {self.region}"
                    ) from exc
                raise
        return str(found[0]["imageDigest"]) if found else None

    def replication(self) -> list[RegistryReplication]:
        """Every destination this region's registry replicates to, with the repository prefixes of its rule."""
        with aws_errors():
            rules = self._ecr.describe_registry().get("replicationConfiguration", {}).get("rules", [])
        found = []
        for rule in rules:
            filters = rule.get("repositoryFilters", [])
            prefixes = tuple(f["filter"] for f in filters if f["filterType"] == "PREFIX_MATCH")
            found += [RegistryReplication(d["region"], d["registryId"], prefixes) for d in rule["destinations"]]
        return found

    def repository_exists(self, repository: str) -> bool:
        with aws_errors():
            try:
                self._ecr.describe_repositories(repositoryNames=[repository])
            except ClientError as exc:
                if error_code(exc) == "RepositoryNotFoundException":
                    return False
                raise
        return True
