"""Everything that talks to exchanges. The only package that imports ccxt, and only when
a fetch actually runs."""
