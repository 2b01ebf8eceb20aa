using System.Runtime.CompilerServices;
using AgriInsure.Domain;
using AgriInsure.Imagery.Geodesy;
using AgriInsure.Imagery.Zonal;
using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;

namespace AgriInsure.Imagery.Plots;

/// <summary>One acquisition of a season: an NDVI band and, optionally, the cloud mask of the same date.</summary>
public sealed record Acquisition(DateTimeOffset Time, RasterBand Ndvi, RasterBand? Clouds);

/// <summary>How plots are watched through a season.</summary>
/// <param name="MaxHiddenShare">A date is clear for a plot when at most this share of it is hidden or invalid.</param>
/// <param name="Margin">An alert needs the plot's mean NDVI this far below its neighbours' median.</param>
/// <param name="Consecutive">… on at least this many of the plot's clear dates in a row (cloudy dates are skipped, not counted).</param>
/// <param name="NeighbourRadiusM">Neighbours are plots whose centres lie within this geodesic distance (m).</param>
/// <param name="MinNeighbours">A date is compared only when at least this many neighbours are clear on it.</param>
/// <param name="MaxNeighbours">The nearest this many plots of the group within the radius are the neighbours.</param>
/// <param name="GroupBy">When set, neighbours share this property's value (a land-use class or crop), so a
/// forest is not compared with a wheat field.</param>
public sealed record MonitorOptions(double MaxHiddenShare = 0.2, double Margin = 0.15, int Consecutive = 2, double NeighbourRadiusM = 5_000, int MinNeighbours = 3, string? GroupBy = null, int MaxNeighbours = 50)
{
    public ZonalOptions Zonal { get; init; } = new();
}

/// <summary>A plot on one date. Shares are of the whole plot's ground area.</summary>
/// <param name="Mean">Coverage- and area-weighted mean NDVI of the clear cells; null when none is clear.</param>
/// <param name="Median">Weighted median NDVI of the clear cells, to 0.0005 (a 0.001-wide histogram, interpolated).</param>
/// <param name="ValidShare">Share of the plot seen: inside the image, not nodata, not cloud, a valid NDVI.</param>
/// <param name="Clear">ValidShare is at least 1 − MaxHiddenShare.</param>
/// <param name="Neighbours">Median of the clear neighbours' means; null when fewer than MinNeighbours were clear.</param>
public sealed record PlotDate(DateTimeOffset Time, double? Mean, double? Median, double ValidShare, bool Clear, double? Neighbours, bool Alert);

/// <summary>A run of clear dates on which the plot stayed more than the margin below its neighbours.</summary>
/// <param name="WorstGap">The most negative plot mean − neighbours' median in the run.</param>
public sealed record MonitorAlert(DateTimeOffset First, DateTimeOffset Last, int Dates, double WorstGap, string Reason);

public sealed record PlotSeason(string Id, string? Group, double AreaM2, PlotQuality Quality, IReadOnlyList<PlotDate> Dates, IReadOnlyList<MonitorAlert> Alerts);

/// <summary>Season monitoring ("the whole planting process is hard to monitor"), an operation on the
/// <see cref="ZonalProcessor"/>: per plot and acquisition the cloud-free NDVI mean, median and seen share,
/// then alerts where a plot falls below its neighbours (same group, within a radius) by a margin on
/// consecutive clear dates: the signature of a crop failing, harvested early, or never sown.</summary>
public static class SeasonMonitor
{
    private const int Bins = 2001;

    public static IReadOnlyList<PlotSeason> Watch(IReadOnlyList<Acquisition> season, IReadOnlyList<PlotFeature> plots, MonitorOptions options)
    {
        if (season.Count == 0)
            throw new ArgumentException("a season has at least one acquisition", nameof(season));
        var dates = season.OrderBy(a => a.Time).ToList();
        var measured = ZonalProcessor.Run(new Operation(dates), plots, options.Zonal);
        var seasons = new PlotSeason[plots.Count];
        var groups = plots.Select(p => options.GroupBy is null ? null : p.Properties.GetValueOrDefault(options.GroupBy)).ToArray();
        var centres = plots.Select(p => p.Outline.Centroid).ToArray();
        var clear = measured.Select(m => m.ValidShares.Select(v => v >= 1 - options.MaxHiddenShare && m.Inside >= PlotQualities.InsideShare).ToArray()).ToArray();
        var neighbours = Neighbours(centres, groups, options.NeighbourRadiusM, options.MaxNeighbours);
        for (var p = 0; p < plots.Count; p++)
        {
            var rows = new List<PlotDate>();
            var alerts = new List<MonitorAlert>();
            var run = new List<(DateTimeOffset Time, double Gap)>();
            void Close()
            {
                if (run.Count >= options.Consecutive)
                {
                    var worst = run.Min(r => r.Gap);
                    alerts.Add(new MonitorAlert(run[0].Time, run[^1].Time, run.Count, worst,
                        $"mean NDVI {-worst:0.00} below the median of {(groups[p] is null ? "" : $"{groups[p]} ")}neighbours within {options.NeighbourRadiusM / 1000:0.#} km on {run.Count} clear dates in a row (margin {options.Margin:0.00})"));
                }
                run.Clear();
            }
            for (var d = 0; d < dates.Count; d++)
            {
                var means = neighbours[p].Where(q => clear[q][d] && measured[q].Means[d] is not null).Select(q => measured[q].Means[d]!.Value).Order().ToArray();
                double? median = means.Length >= options.MinNeighbours ? Median(means) : null;
                var mean = measured[p].Means[d];
                var below = clear[p][d] && mean is not null && median is not null && mean < median - options.Margin;
                if (clear[p][d] && median is not null && mean is not null)
                {
                    if (below)
                        run.Add((dates[d].Time, mean.Value - median.Value));
                    else
                        Close();
                }
                rows.Add(new PlotDate(dates[d].Time, mean, measured[p].Medians[d], measured[p].ValidShares[d], clear[p][d], median, below));
            }
            Close();
            // Only dates inside an alert run stay marked.
            var marked = rows.Select(r => r with { Alert = r.Alert && alerts.Any(a => r.Time >= a.First && r.Time <= a.Last) }).ToList();
            var quality = measured[p].Inside <= 0 ? PlotQuality.OutsideRaster : measured[p].Inside < PlotQualities.InsideShare ? PlotQuality.PartlyOutsideRaster
                : clear[p].Any(c => c) ? PlotQuality.Ok : PlotQuality.NeedsClearImage;
            seasons[p] = new PlotSeason(plots[p].Id, groups[p], measured[p].AreaM2, quality, marked, alerts);
        }
        return seasons;
    }

    /// <summary>For each plot, its nearest plots of the same group (at most <paramref name="most"/>) whose
    /// centres lie within <paramref name="radius"/> m on the ellipsoid. Each group's centres sit in an
    /// STR-tree; twice as many candidates as wanted come from it by a local plane distance (longitude
    /// scaled by cos φ), and are then measured as geodesics. Comparing every pair was 25 million geodesics,
    /// and medians over every neighbour, for 5,000 plots in one square kilometre.</summary>
    private static int[][] Neighbours(Point[] centres, string?[] groups, double radius, int most)
    {
        var trees = new Dictionary<string, STRtree<int>>();
        for (var q = 0; q < centres.Length; q++)
        {
            var key = groups[q] ?? "";
            if (!trees.TryGetValue(key, out var tree))
                trees[key] = tree = new STRtree<int>();
            tree.Insert(centres[q].EnvelopeInternal, q);
        }
        foreach (var tree in trees.Values)
            tree.Build();
        var distance = new PlaneDistance(centres);
        var result = new int[centres.Length][];
        for (var p = 0; p < centres.Length; p++)
        {
            var tree = trees[groups[p] ?? ""];
            var candidates = tree.Count <= 1 ? [] : tree.NearestNeighbour(centres[p].EnvelopeInternal, p, distance, Math.Min(tree.Count, 2 * most + 1));
            result[p] = candidates.Where(q => q != p)
                .Select(q => (Plot: q, Metres: GeodesicArea.Inverse(centres[p].X, centres[p].Y, centres[q].X, centres[q].Y).Length))
                .Where(n => n.Metres <= radius).OrderBy(n => n.Metres).Take(most).Select(n => n.Plot).ToArray();
        }
        return result;
    }

    /// <summary>Degrees of latitude, and of longitude × cos φ, between two plots' centres: ranks neighbours
    /// as the ground does near them (the geodesic then decides).</summary>
    private sealed class PlaneDistance(Point[] centres) : IItemDistance<Envelope, int>
    {
        public double Distance(IBoundable<Envelope, int> a, IBoundable<Envelope, int> b)
        {
            var (p, q) = (centres[a.Item], centres[b.Item]);
            var dLon = Math.IEEERemainder(q.X - p.X, 360) * Math.Cos((p.Y + q.Y) / 2 * Math.PI / 180);
            return Math.Sqrt(dLon * dLon + (q.Y - p.Y) * (q.Y - p.Y));
        }
    }

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;

    private sealed record Measured(double AreaM2, double Inside, double?[] Means, double?[] Medians, double[] ValidShares);

    private sealed class Operation(IReadOnlyList<Acquisition> dates) : IZonalOperation<Measured>
    {
        public IReadOnlyList<RasterBand> Layers { get; } = dates.SelectMany(d => d.Clouds is null ? [d.Ndvi] : new[] { d.Ndvi, d.Clouds }).ToList();

        public IZonalAccumulator<Measured> Begin(ZonalPlot plot, PlotCells cells) => new Accumulator(dates, plot);

        private sealed class Accumulator(IReadOnlyList<Acquisition> dates, ZonalPlot plot) : IZonalAccumulator<Measured>
        {
            private readonly double[] _valid = new double[dates.Count];
            private readonly double[] _sum = new double[dates.Count];
            private readonly double[]?[] _histograms = new double[]?[dates.Count];

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public void Add(ZonalBlock block)
            {
                var n = block.Rows * block.Columns;
                var layer = 0;
                for (var d = 0; d < dates.Count; d++)
                {
                    var ndvi = block.Layers[layer++];
                    var clouds = dates[d].Clouds is null ? null : block.Layers[layer++];
                    for (var i = 0; i < n; i++)
                    {
                        var f = block.Fractions[i];
                        var v = ndvi[i];
                        if (f == 0 || double.IsNaN(v) || !Ndvi.IsValid(v) || (clouds is not null && RasterBand.IsCloud(clouds[i])))
                            continue;
                        var a = f * block.CellAreas[i];
                        _valid[d] += a;
                        _sum[d] += a * v;
                        (_histograms[d] ??= new double[Bins])[(int)Math.Round((v + 1) * 1000)] += a;
                    }
                }
            }

            public Measured End(double insideM2)
            {
                var whole = plot.AreaM2;
                var means = new double?[dates.Count];
                var medians = new double?[dates.Count];
                var shares = new double[dates.Count];
                for (var d = 0; d < dates.Count; d++)
                {
                    shares[d] = whole > 0 ? Math.Min(1, _valid[d] / whole) : 0;
                    if (_valid[d] <= 0)
                        continue;
                    means[d] = _sum[d] / _valid[d];
                    medians[d] = HistogramMedian(_histograms[d]!, _valid[d]);
                }
                return new Measured(whole, whole > 0 ? Math.Min(1, insideM2 / whole) : 0, means, medians, shares);
            }

            /// <summary>The weighted median from 0.001-wide bins centred on −1, −0.999, …, 1, interpolated
            /// linearly inside the bin where half the weight is reached.</summary>
            private static double HistogramMedian(double[] bins, double total)
            {
                var half = total / 2;
                double below = 0;
                for (var b = 0; b < bins.Length; b++)
                {
                    if (below + bins[b] >= half && bins[b] > 0)
                        return Math.Clamp(-1 + (b - 0.5 + (half - below) / bins[b]) / 1000, -1, 1);
                    below += bins[b];
                }
                return 1;
            }
        }
    }
}
