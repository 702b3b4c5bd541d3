namespace Nabla.Graphs;

/// <summary>
/// A node of a computation graph as <see cref="TopologicalOrder"/> sees it: a small struct around the node
/// object that names its operands (the nodes it was computed from) and a mark the sort writes into it.
/// A struct, so that the sort is compiled for each kind of graph and these calls inline to field reads
/// (over a class type parameter the JIT would share one compiled sort and call them indirectly).
/// </summary>
internal interface IGraphNode<TSelf> where TSelf : struct, IGraphNode<TSelf>
{
    /// <summary>How many operands the node has (0 for a leaf).</summary>
    int OperandCount { get; }

    /// <summary>Operand <paramref name="index"/>, or false for one the sort should not follow.</summary>
    bool TryGetOperand(int index, out TSelf operand);

    /// <summary>Where the sort is with this node; written only by the sort (0 for a node it never reached).</summary>
    ref int Mark { get; }
}

/// <summary>
/// Topological order of a computation graph: every node its output depends on, each one after all of its
/// operands, the output last. Backward passes read it backwards, so a node's gradient is complete before it
/// is pushed to its operands.
/// </summary>
/// <remarks>
/// The depth-first search of micrograd's <c>build_topo</c>, with the recursion replaced by an explicit
/// stack, so a chain of a million operations costs heap, not call stack. A node on top of the stack is
/// <em>entered</em> the first time (its operands not yet seen are pushed above it, the first on top) and
/// <em>emitted</em> the second time, when everything above it has been emitted. A node reached by two
/// paths before it is entered sits on the stack twice; the lower copy finds it emitted and is dropped.
/// Instead of a visited-set, each sort takes a fresh pass number and writes it into the nodes it reaches:
/// an even mark when entered, that mark + 1 when emitted. The stack and the order live in buffers reused
/// per thread, so after warm-up a sort allocates nothing. Two threads must not sort one graph at once
/// (they would share the marks).
/// </remarks>
internal static class TopologicalOrder
{
    private static int s_lastMark;

    /// <summary>
    /// The nodes <paramref name="root"/> depends on, root included, operands before results. The result
    /// borrows a per-thread buffer: dispose it (<c>using</c>) when done, which also lets go of the graph.
    /// </summary>
    public static Sorted<TNode> Of<TNode>(TNode root) where TNode : struct, IGraphNode<TNode>
    {
        int entered = Interlocked.Add(ref s_lastMark, 2);
        if (entered == 0) entered = Interlocked.Add(ref s_lastMark, 2); // 0 is the mark of a node never reached
        int emitted = entered + 1;
        Buffers<TNode> buffers = Buffers<TNode>.Rent();
        TNode[] stack = buffers.Stack, order = buffers.Order;
        int top = 0, count = 0;

        stack[top++] = root;
        while (top > 0)
        {
            TNode node = stack[top - 1];
            int mark = node.Mark;
            if (mark != entered && mark != emitted)
            {
                node.Mark = entered;                          // enter: its operands go above it
                int operands = node.OperandCount;
                if (top + operands > stack.Length) Array.Resize(ref stack, 2 * (top + operands));
                for (int i = operands - 1; i >= 0; i--)
                    if (node.TryGetOperand(i, out TNode operand) && operand.Mark != entered && operand.Mark != emitted)
                        stack[top++] = operand;
            }
            else
            {
                stack[--top] = default;                       // (the buffers keep no graph alive)
                if (mark == emitted) continue;                // the lower copy of a node reached twice
                node.Mark = emitted;                          // emit: all its operands are out
                if (count == order.Length) Array.Resize(ref order, 2 * count);
                order[count++] = node;
            }
        }
        buffers.Stack = stack;
        buffers.Order = order;
        return new Sorted<TNode>(buffers, count);
    }

    /// <summary>The order of one sort; <see cref="Dispose"/> clears it and hands the buffer back.</summary>
    public readonly ref struct Sorted<TNode>(Buffers<TNode> buffers, int count) where TNode : struct
    {
        public ReadOnlySpan<TNode> Nodes => buffers.Order.AsSpan(0, count);

        public void Dispose()
        {
            Array.Clear(buffers.Order, 0, count);
            buffers.Return();
        }
    }

    /// <summary>The stack and the order of a sort, one pair kept per thread and node type. A sort that
    /// starts while another holds the pair (a backward rule that sorts) gets a pair of its own.</summary>
    public sealed class Buffers<TNode> where TNode : struct
    {
        [ThreadStatic] private static Buffers<TNode>? t_free;

        public TNode[] Stack = new TNode[256];
        public TNode[] Order = new TNode[256];

        public static Buffers<TNode> Rent()
        {
            Buffers<TNode> buffers = t_free ?? new Buffers<TNode>();
            t_free = null;
            return buffers;
        }

        public void Return() => t_free = this;
    }
}
