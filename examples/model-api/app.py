"""A prediction service that loads its model at import: once per worker, or once in the master with --preload."""
import joblib
from flask import Flask, jsonify, request

model = joblib.load("model.joblib")
app = Flask(__name__)


@app.get("/health")
def health():
    return jsonify(ok=True)


@app.post("/predict")
def predict():
    features = request.get_json(force=True)["features"]
    return jsonify(label=int(model.predict([features])[0]))
