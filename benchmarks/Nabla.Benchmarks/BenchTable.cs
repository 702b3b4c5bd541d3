using System.Globalization;
using System.Text;

namespace Nabla.Benchmarks;

/// <summary>
/// The one table of a run, as aligned text for the terminal and as markdown for docs/benchmarks.md: workload,
/// Nabla's figure, the peer and its figure, the ratio (above 1, Nabla is faster) and the goal. A row whose
/// peer was not run shows a dash for the peer's figure and the ratio.
/// </summary>
public static class BenchTable
{
    private static readonly string[] Header = ["workload", "Nabla", "peer", "peer value", "ratio", "goal"];

    /// <summary>Aligned columns, a rule under the header, then one line per missing peer.</summary>
    public static string Text(IReadOnlyList<BenchRow> rows, IReadOnlyList<string> missingPeers)
    {
        List<string[]> cells = [Header, .. rows.Select(Cells)];
        int[] widths = Enumerable.Range(0, Header.Length).Select(c => cells.Max(line => line[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (string[] line in cells)
        {
            // Text columns (workload, peer) to the left, figures to the right.
            var padded = line.Select((cell, c) => c is 0 or 2 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]));
            text.Append(string.Join("  ", padded).TrimEnd()).Append('\n');
            if (ReferenceEquals(line, Header)) text.Append(string.Join("  ", widths.Select(w => new string('-', w)))).Append('\n');
        }
        foreach (string peer in missingPeers) text.Append(peer).Append('\n');
        return text.ToString();
    }

    /// <summary>A markdown table (figures right-aligned) under <paramref name="caption"/>, then one line
    /// per missing peer.</summary>
    public static string Markdown(IReadOnlyList<BenchRow> rows, IReadOnlyList<string> missingPeers, string caption)
    {
        var text = new StringBuilder();
        text.Append(caption).Append("\n\n");
        text.Append("| ").Append(string.Join(" | ", Header)).Append(" |\n");
        text.Append("|---|---:|---|---:|---:|---:|\n");
        foreach (BenchRow row in rows)
            text.Append("| ").Append(string.Join(" | ", Cells(row).Select(c => c.Replace("|", "\\|")))).Append(" |\n");
        if (missingPeers.Count > 0) text.Append('\n');
        foreach (string peer in missingPeers) text.Append(peer).Append("  \n");
        return text.ToString();
    }

    private static string[] Cells(BenchRow row) =>
    [
        row.Workload,
        $"{Number(row.Nabla)} {row.Unit}",
        row.Peer,
        row.PeerValue is { } peer ? $"{Number(peer)} {row.Unit}" : "—",
        row.Ratio is { } ratio ? $"{Number(ratio)}x" : "—",
        row.Goal is { } goal ? $"≥ {Number(goal)}x" + (row.Ratio is { } r ? r >= goal ? " met" : " not met" : "") : "",
    ];

    /// <summary>Three or four significant figures, invariant culture: 0.0123, 1.23, 12.35, 123.5, 12345.</summary>
    private static string Number(double value)
    {
        double size = Math.Abs(value);
        string format = size >= 1000 ? "0" : size >= 100 ? "0.0" : size >= 1 ? "0.00" : "0.000";
        return value.ToString(format, CultureInfo.InvariantCulture);
    }
}
