namespace AgriInsure.Domain;

/// <summary>The period a policy covers, inclusive of both days.</summary>
public readonly record struct Coverage(DateOnly Start, DateOnly End)
{
    public static Result<Coverage> Create(DateOnly start, DateOnly end, string field = "coverage")
    {
        if (end < start)
            return Result<Coverage>.Fail($"{field}.end", $"{end:yyyy-MM-dd} is before the start {start:yyyy-MM-dd}");
        if (end.DayNumber - start.DayNumber > 3 * 366)
            return Result<Coverage>.Fail($"{field}.end", "a policy may cover at most three years");
        return Result<Coverage>.Ok(new Coverage(start, end));
    }

    public bool Contains(DateOnly day) => day >= Start && day <= End;

    /// <summary>True when every day of the event falls within the cover.</summary>
    public bool Contains(EventWindow window) => Contains(window.Start) && Contains(window.End);
}

/// <summary>Livestock cover: each listed animal is insured for the same sum.</summary>
public sealed record LivestockPolicy
{
    private LivestockPolicy(string id, string farmerId, IReadOnlyList<string> animalIds, Money sumInsuredPerHead, Money premium, Coverage coverage)
    {
        Id = id;
        FarmerId = farmerId;
        AnimalIds = animalIds;
        SumInsuredPerHead = sumInsuredPerHead;
        Premium = premium;
        Coverage = coverage;
    }

    public string Id { get; }
    public string FarmerId { get; }
    public IReadOnlyList<string> AnimalIds { get; }
    public Money SumInsuredPerHead { get; }
    public Money Premium { get; }
    public Coverage Coverage { get; }

    public static Result<LivestockPolicy> Create(string id, string farmerId, IEnumerable<string> animalIds, Money sumInsuredPerHead, Money premium, Coverage coverage)
    {
        var idCheck = Domain.Id.Check(id, "policy.id");
        if (!idCheck.IsOk)
            return idCheck.Error;
        var farmerCheck = Domain.Id.Check(farmerId, "policy.farmerId");
        if (!farmerCheck.IsOk)
            return farmerCheck.Error;
        var animals = animalIds.ToArray();
        if (animals.Length == 0)
            return new ValidationError("policy.animalIds", "lists no animal");
        foreach (var a in animals)
        {
            var check = Domain.Id.Check(a, "policy.animalIds");
            if (!check.IsOk)
                return check.Error;
        }
        var repeated = animals.GroupBy(a => a).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
            return new ValidationError("policy.animalIds", $"lists {repeated.Key} more than once");
        if (!sumInsuredPerHead.IsPositive)
            return new ValidationError("policy.sumInsuredPerHead", "must be positive");
        if (premium.Currency != sumInsuredPerHead.Currency)
            return new ValidationError("policy.premium", $"is in {premium.Currency}, the sum insured in {sumInsuredPerHead.Currency}");
        if (!premium.IsPositive)
            return new ValidationError("policy.premium", "must be positive");
        return Result<LivestockPolicy>.Ok(new LivestockPolicy(id, farmerId, animals, sumInsuredPerHead, premium, coverage));
    }

    public bool Covers(string animalId, DateOnly day) => Coverage.Contains(day) && AnimalIds.Contains(animalId);
}

/// <summary>A point in WGS84 (EPSG:4326), longitude first as in GeoJSON.</summary>
public readonly record struct GeoPoint(double Longitude, double Latitude)
{
    public static Result<GeoPoint> Create(double longitude, double latitude, string field = "point")
    {
        if (!double.IsFinite(longitude) || longitude is < -180 or > 180)
            return Result<GeoPoint>.Fail($"{field}.longitude", $"{longitude} is outside -180..180");
        if (!double.IsFinite(latitude) || latitude is < -90 or > 90)
            return Result<GeoPoint>.Fail($"{field}.latitude", $"{latitude} is outside -90..90");
        return Result<GeoPoint>.Ok(new GeoPoint(longitude, latitude));
    }

    /// <summary>IUGG mean Earth radius R₁ = (2a + b) / 3 of WGS84, in metres.</summary>
    public const double MeanEarthRadiusMetres = 6_371_008.8;

    /// <summary>The great-circle distance on a sphere of the mean Earth radius (haversine formula, Sinnott
    /// 1984). Against the WGS84 geodesic it errs by at most about 0.5 % (100 m at 20 km), less than a
    /// handheld's GPS fix is off by; a search radius needs no more.</summary>
    public Length DistanceTo(GeoPoint other)
    {
        var dLat = double.DegreesToRadians(other.Latitude - Latitude);
        var dLon = double.DegreesToRadians(other.Longitude - Longitude);
        var h = Math.Sin(dLat / 2) * Math.Sin(dLat / 2)
              + Math.Cos(double.DegreesToRadians(Latitude)) * Math.Cos(double.DegreesToRadians(other.Latitude)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return Length.FromMetres(2 * MeanEarthRadiusMetres * Math.Asin(Math.Min(1, Math.Sqrt(h)))).Value;
    }
}

/// <summary>A field as the farmer declared it. Its outline is a closed WGS84 ring; the area the
/// insurer relies on is measured from imagery, the declared one is kept to compare against.</summary>
public sealed record Plot
{
    private Plot(string id, string farmerId, IReadOnlyList<GeoPoint> outline, Area declaredArea)
    {
        Id = id;
        FarmerId = farmerId;
        Outline = outline;
        DeclaredArea = declaredArea;
    }

    public string Id { get; }
    public string FarmerId { get; }
    public IReadOnlyList<GeoPoint> Outline { get; }
    public Area DeclaredArea { get; }

    public static Result<Plot> Create(string id, string farmerId, IReadOnlyList<GeoPoint> outline, Area declaredArea)
    {
        var idCheck = Domain.Id.Check(id, "plot.id");
        if (!idCheck.IsOk)
            return idCheck.Error;
        var farmerCheck = Domain.Id.Check(farmerId, "plot.farmerId");
        if (!farmerCheck.IsOk)
            return farmerCheck.Error;
        if (outline.Count < 4)
            return new ValidationError("plot.outline", $"has {outline.Count} points; a closed ring needs at least 4");
        if (outline[0] != outline[^1])
            return new ValidationError("plot.outline", "is not closed: the first and last points differ");
        if (outline.Take(outline.Count - 1).Distinct().Count() < 3)
            return new ValidationError("plot.outline", "has fewer than 3 distinct points");
        return Result<Plot>.Ok(new Plot(id, farmerId, outline.ToArray(), declaredArea));
    }
}

/// <summary>What an underwriter offers for a crop, per mu (亩) of measured ground: the sum insured and
/// the premium rate, in one currency, the deductible (a share of the plot, 0 to 1) and the cover.</summary>
public sealed record CropTerms
{
    private CropTerms(string crop, Money sumInsuredPerMu, Money ratePerMu, decimal deductible, Coverage coverage)
    {
        Crop = crop;
        SumInsuredPerMu = sumInsuredPerMu;
        RatePerMu = ratePerMu;
        Deductible = deductible;
        Coverage = coverage;
    }

    public string Crop { get; }
    public Money SumInsuredPerMu { get; }
    public Money RatePerMu { get; }
    public decimal Deductible { get; }
    public Coverage Coverage { get; }

    /// <summary>The largest deductible a policy may carry, as a share of the plot: above half, a policy pays only on a near
    /// total loss (our product rule, not a regulator's figure).</summary>
    public const decimal MaxDeductible = 0.5m;

    /// <summary>Fails naming <c>terms.crop</c>, <c>terms.sumInsuredPerMu</c> (not positive),
    /// <c>terms.ratePerMu</c> (not positive, another currency, or not below the sum insured per mu: a premium at least
    /// the cover buys nothing) or <c>terms.deductible</c> (outside [0, <see cref="MaxDeductible"/>]).</summary>
    public static Result<CropTerms> Create(string crop, Money sumInsuredPerMu, Money ratePerMu, decimal deductible, Coverage coverage)
    {
        if (string.IsNullOrWhiteSpace(crop))
            return new ValidationError("terms.crop", "is empty");
        if (crop.Trim().Length > 64)
            return new ValidationError("terms.crop", "is longer than 64 characters");
        if (!sumInsuredPerMu.IsPositive)
            return new ValidationError("terms.sumInsuredPerMu", "must be positive");
        if (ratePerMu.Currency != sumInsuredPerMu.Currency || !ratePerMu.IsPositive)
            return new ValidationError("terms.ratePerMu", $"must be positive and in {sumInsuredPerMu.Currency}");
        if (ratePerMu.Amount >= sumInsuredPerMu.Amount)
            return new ValidationError("terms.ratePerMu", $"{ratePerMu} per mu is not below the sum insured per mu ({sumInsuredPerMu}): a premium at least the cover buys nothing");
        if (deductible < 0m || deductible > MaxDeductible)
            return new ValidationError("terms.deductible", $"{deductible} is outside [0, {MaxDeductible}]");
        return Result<CropTerms>.Ok(new CropTerms(crop.Trim(), sumInsuredPerMu, ratePerMu, deductible, coverage));
    }
}

/// <summary>Crop cover for one plot, priced on its measured acreage rather than the farmer's word:
/// sum insured = sum insured per mu × measured mu, premium = rate per mu × measured mu.</summary>
public sealed record CropPolicy
{
    private CropPolicy(string id, string farmerId, MeasuredAcreage acreage, CropTerms terms, Money sumInsured, Money premium)
    {
        Id = id;
        FarmerId = farmerId;
        Acreage = acreage;
        Terms = terms;
        SumInsured = sumInsured;
        Premium = premium;
    }

    public string Id { get; }
    public string FarmerId { get; }
    public MeasuredAcreage Acreage { get; }
    public CropTerms Terms { get; }
    public string PlotId => Acreage.PlotId;
    public Coverage Coverage => Terms.Coverage;
    public Money SumInsured { get; }
    public Money Premium { get; }

    /// <summary>Fails naming <c>policy.id</c>, <c>policy.farmerId</c>, <c>acreage.quality</c> (a policy
    /// rests only on an ok measurement) or <c>acreage.measured</c> (so small that the sum insured or the
    /// premium rounds to nothing).</summary>
    public static Result<CropPolicy> Create(string id, string farmerId, MeasuredAcreage acreage, CropTerms terms)
    {
        if (Domain.Id.FirstError((id, "policy.id"), (farmerId, "policy.farmerId")) is { } badId)
            return badId;
        if (acreage.Quality != PlotQuality.Ok)
            return new ValidationError("acreage.quality", $"is {acreage.Quality.Name()}; only an ok measurement is insurable");
        var sumInsured = PerMu(terms.SumInsuredPerMu, acreage.Measured);
        var premium = PerMu(terms.RatePerMu, acreage.Measured);
        if (!sumInsured.IsPositive || !premium.IsPositive)
            return new ValidationError("acreage.measured", $"{acreage.Measured} is too small: the sum insured is {sumInsured} and the premium {premium}");
        return Result<CropPolicy>.Ok(new CropPolicy(id, farmerId, acreage, terms, sumInsured, premium));
    }

    /// <summary>An amount per mu times the measured mu, rounded to the cent half to even
    /// (1 mu = 10 000/15 m², <see cref="Area.SquareMetresPerMu"/>).</summary>
    public static Money PerMu(Money perMu, Area area) => perMu.Times((decimal)area.Mu);

    /// <summary>What the policy pays for an assessed damage fraction (see <see cref="CropIndemnity.Compute"/>).</summary>
    public Money Indemnity(double damageFraction) => CropIndemnity.Compute(SumInsured, damageFraction, Terms.Deductible);
}
