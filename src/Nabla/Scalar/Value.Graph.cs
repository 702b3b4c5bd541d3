using Nabla.Graphs;

namespace Nabla.Scalar;

/// <summary>A <see cref="Value"/> as a node of its graph: its operands, and the walks over the graph
/// besides <see cref="Backward"/>.</summary>
public sealed partial class Value
{
    private int _mark; // written by TopologicalOrder in place of a visited-set

    /// <summary>The values this one was computed from (none for a leaf).</summary>
    public IEnumerable<Value> Operands
    {
        get
        {
            if (_a is not null) yield return _a;
            if (_b is not null) yield return _b;
        }
    }

    /// <summary>True for a value not computed from others (an input, a parameter, a constant).</summary>
    public bool IsLeaf => _operation is null;

    /// <summary>Sets <see cref="Grad"/> to zero on this value and on every value it was computed from,
    /// leaves (parameters, inputs) included.</summary>
    public void ZeroGrad()
    {
        using var sorted = TopologicalOrder.Of(new GraphNode(this));
        foreach (Value node in sorted.Nodes) node.Grad = 0;
    }

    /// <summary>Every value of this one's graph, operands before results (a fresh list).</summary>
    public List<Value> Graph()
    {
        using var sorted = TopologicalOrder.Of(new GraphNode(this));
        var graph = new List<Value>(sorted.Nodes.Length);
        foreach (Value node in sorted.Nodes) graph.Add(node);
        return graph;
    }

    /// <summary>A value as <see cref="TopologicalOrder"/> sees it (and, converted back, the value itself).</summary>
    private readonly struct GraphNode(Value value) : IGraphNode<GraphNode>
    {
        private Value Value => value;
        public static implicit operator Value(GraphNode node) => node.Value;

        public int OperandCount => value._b is not null ? 2 : value._a is not null ? 1 : 0;

        public bool TryGetOperand(int index, out GraphNode operand)
        {
            operand = new GraphNode(index == 0 ? value._a! : value._b!);
            return true;
        }

        public ref int Mark => ref value._mark;
    }
}
