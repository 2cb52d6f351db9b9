"""detente.domain"""
