"""What the inventory knows of the contracts service's actions: a projection of its
``ccc.portfolio_changed`` events, so that a budget measure's reference to an action is checked."""
