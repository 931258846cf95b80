"""The auto-scaling requests: what SageMaker's docs ask for, valid for botocore's model, never sent."""

import json

import pytest
from botocore.exceptions import ParamValidationError

from showcase.core.errors import InputError
from showcase.deploy import autoscaling


def test_requests_are_target_tracking_on_invocations_per_instance():
    requests = autoscaling.scaling_requests("showcase-classifier", "AllTraffic", 1, 4, 1050)
    target = requests["RegisterScalableTarget"]
    policy = requests["PutScalingPolicy"]
    assert target["ResourceId"] == policy["ResourceId"] == "endpoint/showcase-classifier/variant/AllTraffic"
    assert target["ScalableDimension"] == "sagemaker:variant:DesiredInstanceCount"
    config = policy["TargetTrackingScalingPolicyConfiguration"]
    assert policy["PolicyType"] == "TargetTrackingScaling" and config["TargetValue"] == 1050.0
    assert config["PredefinedMetricSpecification"]["PredefinedMetricType"] == "SageMakerVariantInvocationsPerInstance"
    autoscaling.validate(requests)


@pytest.mark.parametrize("operation, key, value", [
    ("PutScalingPolicy", "PolicyType", "TargetTracking"),          # not in the service's enum
    ("RegisterScalableTarget", "MinCapacity", "1"),                  # a string where an integer goes
    ("RegisterScalableTarget", "ServiceNamespace", "sagemakr"),
    ("PutScalingPolicy", "Unknown", 1),
])
def test_validation_catches_what_aws_would_refuse(operation, key, value):
    requests = autoscaling.scaling_requests()
    requests[operation][key] = value
    with pytest.raises(ParamValidationError):
        autoscaling.validate(requests)


def test_target_from_a_load_test_and_bad_inputs():
    assert autoscaling.target_from_throughput(35.0) == 1050.0
    with pytest.raises(InputError, match="below the minimum"):
        autoscaling.scaling_requests(min_capacity=3, max_capacity=2)
    with pytest.raises(InputError, match="letters, digits and hyphens"):
        autoscaling.scaling_requests(endpoint="my endpoint")


def test_the_script_is_a_dry_run_by_default(capsys, monkeypatch):
    import boto3

    monkeypatch.setattr(boto3, "client", lambda *a, **k: pytest.fail("a dry run must not create a client"))
    autoscaling.main(["--endpoint", "demo", "--from-load-test", "20"])
    out = capsys.readouterr().out
    body, _, note = out.rpartition("}\n")
    assert "nothing was sent" in note
    assert json.loads(body + "}")["PutScalingPolicy"]["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 600.0
