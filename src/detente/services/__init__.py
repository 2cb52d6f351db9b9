"""detente.services"""
