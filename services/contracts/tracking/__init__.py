"""Actions and indicators tracked against the live inventory (inventory.events.v1)."""
