"""Auto-scaling for a SageMaker endpoint variant: target tracking on invocations per instance.

SageMaker scales an endpoint's instances through Application Auto Scaling (AWS, "Automatic
scaling of Amazon SageMaker AI models",
https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling.html): first
``RegisterScalableTarget`` makes the variant's ``DesiredInstanceCount`` scalable between a minimum
and a maximum, then ``PutScalingPolicy`` attaches a target-tracking policy on the predefined metric
``SageMakerVariantInvocationsPerInstance`` (requests per instance per minute, averaged over the
variant): above the target it adds instances, below it removes them after the cool-down.

Pick the target from a load test (``showcase.deploy.rest_api``): the throughput one instance
keeps while its p95 stays inside the latency budget, times 60, times a safety factor (AWS
suggests about 0.5 to leave headroom while new instances start).

This script builds both requests and prints them as JSON: dry-run by default, nothing is sent.
``--apply`` sends them with boto3 (credentials and region from the usual AWS configuration).
The tests validate the requests against botocore's own service model and never send them.

    python -m showcase.deploy.autoscaling --endpoint showcase-classifier --max 4 --target 1500
    python -m showcase.deploy.autoscaling --from-load-test 35.0      # target = 35 rps × 60 × 0.5
    python -m showcase.deploy.autoscaling --endpoint showcase-classifier --apply
"""

from __future__ import annotations

import argparse
import json

from showcase.core.checks import number
from showcase.core.errors import InputError

SERVICE = "application-autoscaling"
NAMESPACE = "sagemaker"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"
METRIC = "SageMakerVariantInvocationsPerInstance"
SAFETY = 0.5


def target_from_throughput(requests_per_second: float, safety: float = SAFETY) -> float:
    """Invocations per instance per minute to aim for, from one instance's sustainable throughput."""
    rps = number(requests_per_second, "Throughput per instance (requests/s)", low=0.01, high=1e6)
    return round(rps * 60 * number(safety, "Safety factor", low=0.05, high=1.0), 1)


def scaling_requests(endpoint: str = "showcase-classifier", variant: str = "AllTraffic", min_capacity: int = 1,
                     max_capacity: int = 4, target: float = 1000.0, scale_in_cooldown: int = 300,
                     scale_out_cooldown: int = 60) -> dict[str, dict]:
    """The keyword arguments of ``RegisterScalableTarget`` and ``PutScalingPolicy``, by operation name."""
    if not endpoint or not all(c.isalnum() or c == "-" for c in endpoint) or len(endpoint) > 63:
        raise InputError(f"Endpoint name {endpoint!r}: SageMaker allows 1–63 letters, digits and hyphens.")
    if not variant or len(variant) > 63:
        raise InputError(f"Variant name {variant!r} must be 1–63 characters.")
    min_capacity = number(min_capacity, "Minimum instances", low=1, high=100, integer=True)
    max_capacity = number(max_capacity, "Maximum instances", low=1, high=100, integer=True)
    if max_capacity < min_capacity:
        raise InputError(f"Maximum instances ({max_capacity}) is below the minimum ({min_capacity}).")
    target = number(target, "Target invocations per instance per minute", low=1, high=1e7)
    resource = f"endpoint/{endpoint}/variant/{variant}"
    return {
        "RegisterScalableTarget": {
            "ServiceNamespace": NAMESPACE,
            "ResourceId": resource,
            "ScalableDimension": DIMENSION,
            "MinCapacity": min_capacity,
            "MaxCapacity": max_capacity,
        },
        "PutScalingPolicy": {
            "PolicyName": f"{endpoint}-{variant}-invocations-target",
            "ServiceNamespace": NAMESPACE,
            "ResourceId": resource,
            "ScalableDimension": DIMENSION,
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": float(target),
                "PredefinedMetricSpecification": {"PredefinedMetricType": METRIC},
                "ScaleInCooldown": int(scale_in_cooldown),
                "ScaleOutCooldown": int(scale_out_cooldown),
            },
        },
    }


def validate(requests: dict[str, dict]) -> None:
    """Check each request against botocore's model of the service (the shapes boto3 would send);
    raises ``botocore.exceptions.ParamValidationError`` on a wrong name, type or range."""
    import botocore.session
    from botocore.exceptions import ParamValidationError
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model(SERVICE)
    for operation, params in requests.items():
        shape = model.operation_model(operation).input_shape
        report = ParamValidator().validate(params, shape)
        if report.has_errors():
            raise ParamValidationError(report=report.generate_report())
        _check_enums(params, shape, operation)


def _check_enums(value, shape, where: str) -> None:
    """botocore's validator checks names, types and ranges but not enumerations (the service does):
    check those too, so a misspelt ``PolicyType`` or metric fails here, not at AWS."""
    from botocore.exceptions import ParamValidationError

    if shape.type_name == "structure":
        for key, item in value.items():
            _check_enums(item, shape.members[key], f"{where}.{key}")
    elif shape.type_name == "list":
        for item in value:
            _check_enums(item, shape.member, where)
    elif getattr(shape, "enum", None) and value not in shape.enum:
        raise ParamValidationError(report=f"{where}: {value!r} is not one of {shape.enum}")


def apply(requests: dict[str, dict], region: str | None = None) -> list[dict]:
    """Send the requests (only with ``--apply``): the scalable target first, then the policy."""
    import boto3

    client = boto3.client(SERVICE, region_name=region)
    return [client.register_scalable_target(**requests["RegisterScalableTarget"]),
            client.put_scaling_policy(**requests["PutScalingPolicy"])]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", default="showcase-classifier")
    parser.add_argument("--variant", default="AllTraffic")
    parser.add_argument("--min", type=int, default=1, dest="min_capacity")
    parser.add_argument("--max", type=int, default=4, dest="max_capacity")
    parser.add_argument("--target", type=float, default=1000.0, help="invocations per instance per minute")
    parser.add_argument("--from-load-test", type=float, default=None, metavar="RPS",
                        help="set the target from one instance's measured throughput (requests/s)")
    parser.add_argument("--region", default=None)
    parser.add_argument("--apply", action="store_true", help="send the requests (default: print them only)")
    args = parser.parse_args(argv)
    target = target_from_throughput(args.from_load_test) if args.from_load_test else args.target
    requests = scaling_requests(args.endpoint, args.variant, args.min_capacity, args.max_capacity, target)
    validate(requests)
    print(json.dumps(requests, indent=2))
    if args.apply:
        print(json.dumps(apply(requests, args.region), indent=2, default=str))
    else:
        print("# dry run: nothing was sent; add --apply to register the target and the policy")


if __name__ == "__main__":
    main()
