using AgriInsure.Domain;

namespace AgriInsure.Registry;

/// <summary>Which enrolled animals a search compares a probe with.</summary>
public abstract record ScopeFilter
{
    private ScopeFilter()
    {
    }

    /// <summary>Every animal of the species and model.</summary>
    public sealed record Everyone : ScopeFilter;

    /// <summary>The animals enrolled for one farmer.</summary>
    public sealed record OfFarmer(string FarmerId) : ScopeFilter;

    /// <summary>The animals whose enrolment GPS fix lies within <paramref name="Radius"/> of <paramref name="Centre"/>
    /// (great-circle distance, <see cref="GeoPoint.DistanceTo"/>).</summary>
    public sealed record Within(GeoPoint Centre, Length Radius) : ScopeFilter;

    /// <summary>The listed animals (an insured herd); ids not enrolled are ignored.</summary>
    public sealed record Animals(IReadOnlyCollection<string> Ids) : ScopeFilter;
}

/// <summary>A scoped search's answer: how many animals the scope held, and the best of them, best first.</summary>
public sealed record ScopeHits(int Size, IReadOnlyList<Match> Top);
