import base64

import cv2
import face_recognition
import numpy as np
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/identify")
def identify():
    payload = request.get_json()
    # ruleid: whole-file-read
    raw = base64.b64decode(payload.get("image"))
    pixels = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    encodings = face_recognition.face_encodings(pixels)
    return jsonify({"faces": len(encodings)})
