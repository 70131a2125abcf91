"""Conversations an agent starts: a new ticket written to a customer, forwarding a ticket."""

from flask import Blueprint

bp = Blueprint("conversations", __name__)
