namespace Nabla.Benchmarks;

/// <summary>
/// One head-to-head measurement: a workload, Nabla's figure and its peer's in the same unit, the ratio and
/// the goal. <see cref="Ratio"/> reads the same way in every suite: above 1, Nabla is faster (for a time,
/// the peer's time over Nabla's; for a rate, Nabla's rate over the peer's). <see cref="PeerValue"/> and
/// <see cref="Ratio"/> are null when the peer was not run; <see cref="Goal"/> is the ratio the project
/// aims for, null where it states none.
/// </summary>
public sealed record BenchRow(string Workload, double Nabla, string Peer, double? PeerValue, string Unit, double? Ratio, double? Goal)
{
    /// <summary>A row where a smaller figure is better (seconds, milliseconds): ratio = peer / Nabla.</summary>
    public static BenchRow Time(string workload, double nabla, string peer, double? peerValue, string unit, double? goal = null) =>
        new(workload, nabla, peer, peerValue, unit, peerValue / nabla, goal);

    /// <summary>A row where a larger figure is better (GFLOP/s, MB/s): ratio = Nabla / peer.</summary>
    public static BenchRow Rate(string workload, double nabla, string peer, double? peerValue, string unit, double? goal = null) =>
        new(workload, nabla, peer, peerValue, unit, nabla / peerValue, goal);
}

/// <summary>
/// The rows the suites of one run report, and the peers that could not take part. A suite adds a row beside
/// printing its own line; the program prints them all as one table at the end of the run.
/// </summary>
public static class BenchReport
{
    private static readonly List<BenchRow> rows = [];
    private static readonly List<string> missingPeers = [];

    public static IReadOnlyList<BenchRow> Rows => rows;

    /// <summary>One line per peer that did not load: what failed and how to include it.</summary>
    public static IReadOnlyList<string> MissingPeers => missingPeers;

    public static void Add(BenchRow row) => rows.Add(row);

    public static void PeerMissing(string line)
    {
        if (!missingPeers.Contains(line)) missingPeers.Add(line);
    }
}
