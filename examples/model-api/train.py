"""Setup step: trains a small scikit-learn model and pickles it to model.joblib (not committed; run before start)."""
import joblib
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier

X, y = make_classification(n_samples=4000, n_features=20, random_state=0)
model = RandomForestClassifier(n_estimators=200, random_state=0).fit(X, y)
joblib.dump(model, "model.joblib")
