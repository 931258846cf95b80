"""Trust: explainability (SHAP), adversarial examples (FGSM), differential privacy."""
