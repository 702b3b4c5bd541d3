using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Nabla.Scalar;

/// <summary>
/// Draws the computation graph of a <see cref="Value"/>, as micrograd's <c>draw_dot</c> does: one box per
/// value (label, data, grad) and one oval per operation, arrows running from operands to results.
/// Text in Graphviz's DOT language, or SVG rendered by the Graphviz <c>dot</c> program.
/// </summary>
public static class GraphDrawing
{
    /// <summary>The graph of <paramref name="root"/> in DOT, laid out left to right.</summary>
    public static string ToDot(Value root)
    {
        List<Value> graph = root.Graph();
        var id = new Dictionary<Value, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < graph.Count; i++) id[graph[i]] = i;

        var dot = new StringBuilder();
        dot.AppendLine("digraph value {");
        dot.AppendLine("  rankdir=LR;");
        dot.AppendLine("  node [fontname=\"Helvetica\"];");
        foreach (Value v in graph)
        {
            int n = id[v];
            string fields = $"{Escape(v.Label ?? "")} | data {Number(v.Data)} | grad {Number(v.Grad)}";
            dot.AppendLine($"  v{n} [shape=record, label=\"{{ {fields} }}\"];");
            if (v.IsLeaf) continue;
            // The operation is a node of its own, between the operands and the value it made.
            dot.AppendLine($"  v{n}op [shape=ellipse, label=\"{Escape(v.Op)}\"];");
            dot.AppendLine($"  v{n}op -> v{n};");
            foreach (Value operand in v.Operands) dot.AppendLine($"  v{id[operand]} -> v{n}op;");
        }
        dot.AppendLine("}");
        return dot.ToString();
    }

    /// <summary>The graph of <paramref name="root"/> as SVG, rendered by Graphviz's <c>dot</c>.</summary>
    /// <exception cref="InvalidOperationException">When <c>dot</c> is not installed or fails.</exception>
    public static string ToSvg(Value root)
    {
        string dotText = ToDot(root);
        var start = new ProcessStartInfo("dot", "-Tsvg")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("GraphDrawing: could not start 'dot'");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                "GraphDrawing: the Graphviz program 'dot' is not installed or not on PATH; install graphviz (apt-get install graphviz) or write a .dot file instead", e);
        }
        using (process)
        {
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> errors = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(dotText);
            process.StandardInput.Close();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"GraphDrawing: 'dot -Tsvg' failed with exit code {process.ExitCode}: {errors.Result.Trim()}");
            return output.Result;
        }
    }

    /// <summary>Writes the graph to <paramref name="path"/>: DOT text for <c>.dot</c>, SVG for <c>.svg</c>.</summary>
    public static void Write(Value root, string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        string text = extension switch
        {
            ".dot" => ToDot(root),
            ".svg" => ToSvg(root),
            _ => throw new ArgumentException($"GraphDrawing: '{path}' should end in .dot or .svg"),
        };
        File.WriteAllText(path, text);
    }

    private static string Number(double x) => x.ToString("F4", CultureInfo.InvariantCulture);

    // Characters with a meaning inside a DOT record label.
    private static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c is '{' or '}' or '|' or '<' or '>' or '"' or '\\') escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }
}
