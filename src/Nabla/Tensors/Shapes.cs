using System.Text;

namespace Nabla.Tensors;

/// <summary>
/// Shape arithmetic shared by every operation: element counts, row-major strides, dimension
/// normalization (negative dims count from the end, as in PyTorch) and broadcasting.
/// Every check here throws with the operation's name so the message says where it failed.
/// </summary>
internal static class Shapes
{
    /// <summary>"[4,3]": the form every error message uses.</summary>
    public static string Format(ReadOnlySpan<int> shape)
    {
        var text = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) text.Append(',');
            text.Append(shape[i]);
        }
        return text.Append(']').ToString();
    }

    /// <summary>The most elements one tensor can hold: the most one .NET array can hold.</summary>
    public static readonly int MaxElements = Array.MaxLength;

    /// <summary>The number of elements of <paramref name="shape"/>; a shape with more than one tensor can
    /// hold is an error, named after <paramref name="op"/> when given.</summary>
    public static int Count(ReadOnlySpan<int> shape, string? op = null)
    {
        long count = 1;
        foreach (int size in shape) count = Math.Min(count * size, (long)MaxElements + 1); // capped, so that many dimensions cannot overflow
        if (count > MaxElements) throw TooManyElements(op, $"shape {Format(shape)}", null);
        return (int)count;
    }

    /// <summary>The error for a tensor of more than <see cref="MaxElements"/> elements: <paramref name="what"/>
    /// describes it (a shape, a range), <paramref name="count"/> is its size where known.</summary>
    public static ArgumentException TooManyElements(string? op, string what, double? count) =>
        new($"{(op is null ? "" : op + ": ")}{what} has " +
            (count is double n ? $"{n:0} elements; one tensor holds at most {MaxElements}" : $"more than {MaxElements} elements, the most one tensor can hold"));

    /// <summary>Row-major strides: the last dimension is contiguous.</summary>
    public static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int stride = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= Math.Max(shape[d], 1);
        }
        return strides;
    }

    public static void Validate(ReadOnlySpan<int> shape, string op)
    {
        foreach (int size in shape)
            if (size < 0) throw new ArgumentException($"{op}: shape {Format(shape)} has a negative size");
        Count(shape, op);
    }

    /// <summary>Maps dim in [-rank, rank) to [0, rank).</summary>
    public static int NormalizeDim(int dim, int rank, string op)
    {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank)
            throw new ArgumentOutOfRangeException(nameof(dim),
                $"{op}: dimension {dim} is out of range for a tensor of rank {rank} (valid: {-rank}..{rank - 1})");
        return d;
    }

    /// <summary>Normalizes a list of dims and rejects repeats; the result is sorted.</summary>
    public static int[] NormalizeDims(ReadOnlySpan<int> dims, int rank, string op)
    {
        var result = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++) result[i] = NormalizeDim(dims[i], rank, op);
        Array.Sort(result);
        for (int i = 1; i < result.Length; i++)
            if (result[i] == result[i - 1]) throw new ArgumentException($"{op}: dimension {result[i]} appears twice");
        return result;
    }

    /// <summary>
    /// PyTorch broadcasting: align shapes at the right; each pair of sizes must be equal or one of
    /// them 1. The result takes the larger size in each position.
    /// </summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b, string op)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int sa = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int sb = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (sa != sb && sa != 1 && sb != 1)
                throw new ArgumentException(
                    $"{op}: shapes {Format(a)} and {Format(b)} cannot broadcast: dimension {i - rank} has sizes {sa} and {sb}");
            result[i] = sa == 1 ? sb : sa;
        }
        Count(result, op);
        return result;
    }

    /// <summary>True if <paramref name="from"/> broadcasts to exactly <paramref name="to"/>.</summary>
    public static bool BroadcastsTo(ReadOnlySpan<int> from, ReadOnlySpan<int> to)
    {
        if (from.Length > to.Length) return false;
        int lead = to.Length - from.Length;
        for (int i = 0; i < from.Length; i++)
            if (from[i] != 1 && from[i] != to[lead + i]) return false;
        return true;
    }

    /// <summary>
    /// Strides that read a tensor of shape/strides (<paramref name="shape"/>, <paramref name="strides"/>)
    /// as if it had shape <paramref name="target"/>: broadcast dimensions get stride 0.
    /// </summary>
    public static int[] BroadcastStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, ReadOnlySpan<int> target)
    {
        var result = new int[target.Length];
        int lead = target.Length - shape.Length;
        for (int i = 0; i < shape.Length; i++)
            result[lead + i] = shape[i] == 1 && target[lead + i] != 1 ? 0 : strides[i];
        return result;
    }

    public static bool SameShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);
}
