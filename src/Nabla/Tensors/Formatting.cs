using System.Globalization;
using System.Text;

namespace Nabla.Tensors;

/// <summary>
/// ToString as PyTorch prints: <c>tensor([[ 0.1000, -2.0000], ...], shape=[2, 2], dtype=float32)</c>.
/// One number format for the whole tensor (integers as "3.", fixed four decimals, or scientific when
/// magnitudes span too far), columns aligned, and big tensors summarized to their first and last
/// three entries per dimension with "..." between.
/// </summary>
public sealed partial class Tensor
{
    private const int SummarizeAbove = 1000;
    private const int EdgeItems = 3;

    public override string ToString()
    {
        if (released) return $"tensor(<released by its TensorScope>, shape=[{string.Join(", ", shape)}], dtype={DTypeName})";
        bool summarize = Count > SummarizeAbove;
        Func<int, string> format = MakeNumberFormat(summarize);
        int width = 0;
        ForEachShown(summarize, position => width = Math.Max(width, format(position).Length));

        var text = new StringBuilder("tensor(");
        const int indent = 7; // "tensor("
        if (Rank == 0) text.Append(format(offset));
        else AppendDimension(text, 0, offset, indent, width, format, summarize);

        text.Append(", shape=[").Append(string.Join(", ", shape)).Append("], dtype=").Append(DTypeName);
        if (node is not null) text.Append(", grad_fn=<").Append(node.Op).Append('>');
        else if (requiresGrad) text.Append(", requires_grad=True");
        return text.Append(')').ToString();
    }

    private void AppendDimension(StringBuilder text, int dim, int position, int indent, int width, Func<int, string> format, bool summarize)
    {
        text.Append('[');
        int size = shape[dim];
        bool cut = summarize && size > 2 * EdgeItems;
        bool last = dim == Rank - 1;
        for (int i = 0; i < size; i++)
        {
            if (cut && i == EdgeItems)
            {
                text.Append(last ? "..., " : "...,\n" + new string('\n', Rank - dim - 2) + new string(' ', indent + dim + 1));
                i = size - EdgeItems;
            }
            int p = position + i * strides[dim];
            if (last) text.Append(format(p).PadLeft(width));
            else AppendDimension(text, dim + 1, p, indent, width, format, summarize);
            if (i < size - 1)
                text.Append(last ? ", " : ",\n" + new string('\n', Rank - dim - 2) + new string(' ', indent + dim + 1));
        }
        text.Append(']');
    }

    /// <summary>Visits the storage position of every element that will be printed.</summary>
    private void ForEachShown(bool summarize, Action<int> visit)
    {
        if (Count == 0) return;
        var index = new int[Rank];
        while (true)
        {
            int p = offset;
            for (int d = 0; d < Rank; d++) p += index[d] * strides[d];
            visit(p);
            int k = Rank - 1;
            for (; k >= 0; k--)
            {
                index[k]++;
                if (summarize && shape[k] > 2 * EdgeItems && index[k] == EdgeItems) index[k] = shape[k] - EdgeItems;
                if (index[k] < shape[k]) break;
                index[k] = 0;
            }
            if (k < 0) return;
        }
    }

    private Func<int, string> MakeNumberFormat(bool summarize)
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        if (DType == DType.Int32) return p => intData[p].ToString(inv);
        bool allIntegers = true;
        double maxAbs = 0, minAbs = double.PositiveInfinity;
        ForEachShown(summarize, p =>
        {
            float v = data[p];
            if (!float.IsFinite(v)) return;
            if (v != MathF.Round(v)) allIntegers = false;
            double a = Math.Abs(v);
            maxAbs = Math.Max(maxAbs, a);
            if (a > 0) minAbs = Math.Min(minAbs, a);
        });
        bool scientific = maxAbs >= 1e8 || (!allIntegers && minAbs < 1e-4) || (minAbs > 0 && maxAbs / minAbs > 1000 && !allIntegers);
        return p =>
        {
            float v = data[p];
            if (float.IsNaN(v)) return "nan";
            if (float.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
            if (scientific) return v.ToString("0.0000e+00", inv);
            if (allIntegers) return v.ToString("0", inv) + ".";
            return v.ToString("0.0000", inv);
        };
    }
}
