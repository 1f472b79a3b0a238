import streamlit as st

from loader import load_master

st.title("Invoicing")

master = st.file_uploader("Master workbook", type=["xlsx"])
if master is not None:
    # ruleid: whole-file-read
    data = master.getvalue()
    sheets = load_master(data)
    # ruleid: dataframe-full-load
    st.session_state["sheets"] = sheets

if "sheets" in st.session_state:
    customers = st.session_state["sheets"]["Customers"]
    region = st.selectbox("Region", sorted(customers["region"].unique()))
    # ruleid: dataframe-full-load
    st.session_state.filtered = customers[customers["region"] == region]
    st.dataframe(st.session_state.filtered)
