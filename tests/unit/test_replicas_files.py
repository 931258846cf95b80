"""compose.yaml, deploy/haproxy.cfg and deploy/kubernetes.yaml (issue #30, item 5) are valid and agree:
the compose file against the Compose spec (``compose_spec``, a strict parser: an unknown key or a
wrong type is refused), the balancer's config by HAProxy itself (``haproxy -c``), the manifest
against Kubernetes' schemas (``kubernetes-validate --strict``). With no Docker daemon here,
tests/app/test_replicas.py runs the same balancer config over two local replicas.

    python -m pytest tests/unit/test_replicas_files.py -q
"""

import re
import shutil
import subprocess

import pytest
import yaml

from showcase.core.settings import ROOT

K8S_VERSION = "1.37.0"


def compose() -> dict:
    from compose_spec import PyCompose

    return PyCompose.from_yaml((ROOT / "compose.yaml").read_text(encoding="utf-8")).to_dict()


def haproxy_cfg() -> str:
    return (ROOT / "deploy" / "haproxy.cfg").read_text(encoding="utf-8")


def manifests() -> list[dict]:
    return list(yaml.safe_load_all((ROOT / "deploy" / "kubernetes.yaml").read_text(encoding="utf-8")))


def test_compose_follows_the_spec_and_a_wrong_key_is_refused():
    from compose_spec import PyCompose

    services = compose()["services"]
    assert set(services) == {"app", "balancer"}
    assert services["app"]["build"] == "." and (ROOT / "Dockerfile").is_file()
    assert services["app"]["deploy"]["replicas"] >= 2
    broken = (ROOT / "compose.yaml").read_text(encoding="utf-8").replace("    deploy:", "    deploi:")
    with pytest.raises(ValueError, match="deploi"):
        PyCompose.from_yaml(broken)


def test_the_balancer_compose_runs_is_the_checked_haproxy_cfg_and_reaches_the_replicas():
    app, balancer = compose()["services"]["app"], compose()["services"]["balancer"]
    mounted = {v["source"] if isinstance(v, dict) else v.split(":")[0]: v for v in balancer["volumes"]}
    assert "./deploy/haproxy.cfg" in mounted
    cfg = haproxy_cfg()
    port = app["environment"]["GRADIO_SERVER_PORT"]
    # HAProxy finds the replicas by the service's name, on the port the app listens on
    assert re.search(rf"^\s*server-template app \d+-\d+ app:{port} ", cfg, re.M)
    assert re.search(rf"^\s*bind :{port}$", cfg, re.M)
    published = balancer["ports"][0]
    assert str(published.get("target") if isinstance(published, dict) else published.split(":")[-1]) == port
    # sticky: HAProxy's own cookie, and the health check the app's healthcheck uses too
    assert re.search(r"^\s*cookie \w+ insert ", cfg, re.M)
    check_path = re.search(r"option httpchk GET (\S+)", cfg).group(1)
    assert check_path in " ".join(app["healthcheck"]["test"])
    # the servers block tests/app/test_replicas.py replaces with its local replicas
    assert cfg.count("# servers:") == 1 and cfg.count("# end servers") == 1


def test_haproxy_accepts_the_config_and_refuses_a_broken_one(tmp_path):
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    assert shutil.which(haproxy), "install Debian's haproxy (make test does, as root)"
    checked = subprocess.run([haproxy, "-c", "-f", str(ROOT / "deploy" / "haproxy.cfg")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    broken = tmp_path / "broken.cfg"
    broken.write_text(haproxy_cfg().replace("balance leastconn", "balance fewestconn"), encoding="utf-8")
    assert subprocess.run([haproxy, "-c", "-f", str(broken)], capture_output=True).returncode != 0


def test_the_kubernetes_manifest_is_valid_and_sticky_and_scales_on_cpu():
    import kubernetes_validate

    docs = manifests()
    for doc in docs:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
    kinds = {d["kind"]: d for d in docs}
    assert {"Deployment", "Service", "HorizontalPodAutoscaler"} <= set(kinds)
    assert kinds["Service"]["spec"]["sessionAffinity"] == "ClientIP"
    assert kinds["Service"]["spec"]["selector"] == kinds["Deployment"]["spec"]["template"]["metadata"]["labels"]
    hpa = kinds["HorizontalPodAutoscaler"]["spec"]
    assert hpa["scaleTargetRef"]["name"] == kinds["Deployment"]["metadata"]["name"]
    assert [m["resource"]["name"] for m in hpa["metrics"]] == ["cpu"]
    container = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["requests"]["cpu"]          # utilisation is measured against the request
    assert {"name": "GRADIO_SERVER_PORT", "value": compose()["services"]["app"]["environment"]["GRADIO_SERVER_PORT"]} \
        in container["env"]
    # the strict schema refuses a misspelt field
    typo = manifests()[0]
    typo["spec"]["replica"] = typo["spec"].pop("replicas")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, K8S_VERSION, strict=True)
