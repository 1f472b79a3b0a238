from fastapi import FastAPI
from pydantic import BaseModel
from sentence_transformers import SentenceTransformer, util

app = FastAPI(title="shop-search")


class Query(BaseModel):
    text: str
    candidates: list[str]


@app.post("/similar")
def similar(query: Query):
    model = SentenceTransformer("all-MiniLM-L6-v2")
    scores = util.cos_sim(model.encode(query.text), model.encode(query.candidates))[0]
    ranked = sorted(zip(query.candidates, scores.tolist()), key=lambda pair: pair[1], reverse=True)
    return {"results": [{"text": text, "score": score} for text, score in ranked]}
