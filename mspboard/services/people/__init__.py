"""The rules about the people of the shop and how they grow: goals, quarterly reviews,
training and certifications."""
