using System.Runtime.CompilerServices;
using Nabla.Graphs;
using Nabla.Tensors;

namespace Nabla.Tests.Graphs;

/// <summary>The one topological sort both autograd engines use, on its own and through the tensor engine
/// (the scalar engine's uses are in Scalar/BackwardTests.cs).</summary>
public class TopologicalOrderTests
{
    /// <summary>A bare graph node: operands, a flag that hides it from the sort, and the sort's mark.</summary>
    private sealed class Node(int id, Node[] operands, bool hidden)
    {
        public readonly int Id = id;
        public readonly Node[] Operands = operands;
        public readonly bool Hidden = hidden;
        public int Mark;
    }

    private readonly struct Handle(Node node) : IGraphNode<Handle>
    {
        public Node Node => node;
        public int OperandCount => node.Operands.Length;

        public bool TryGetOperand(int index, out Handle operand)
        {
            operand = new Handle(node.Operands[index]);
            return !node.Operands[index].Hidden;
        }

        public ref int Mark => ref node.Mark;
    }

    /// <summary>Random graphs (operands repeated, shared, hidden) give exactly the order of micrograd's
    /// recursive build_topo: each reachable node once, after its operands, the root last.</summary>
    [Fact]
    public void RandomGraphsAreOrderedLikeTheRecursiveSearch()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 200; trial++)
        {
            int size = random.Next(1, 60);
            var nodes = new List<Node>();
            for (int i = 0; i < size; i++)
            {
                Node[] operands = i == 0 ? [] : [.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => nodes[random.Next(i)])];
                nodes.Add(new Node(i, operands, hidden: i < size - 1 && random.Next(6) == 0));
            }
            Node root = nodes[^1];

            var expected = new List<int>();
            var visited = new HashSet<Node>();
            void Visit(Node n)
            {
                if (!visited.Add(n)) return;
                foreach (Node operand in n.Operands)
                    if (!operand.Hidden) Visit(operand);
                expected.Add(n.Id);
            }
            Visit(root);

            Assert.Equal(expected, Sort(root));
            Assert.Equal(expected, Sort(root)); // a second sort of the same graph (the marks are fresh)
        }
    }

    private static List<int> Sort(Node root)
    {
        using var sorted = TopologicalOrder.Of(new Handle(root));
        var ids = new List<int>();
        foreach (Handle h in sorted.Nodes) ids.Add(h.Node.Id);
        return ids;
    }

    [Fact]
    public void ASortInsideASortGetsBuffersOfItsOwn()
    {
        Node leaf = new(0, [], false), other = new(1, [], false);
        Node outerRoot = new(2, [leaf, leaf], false), innerRoot = new(3, [other], false);
        using var outer = TopologicalOrder.Of(new Handle(outerRoot));
        Assert.Equal([1, 3], Sort(innerRoot));
        Assert.Equal([0, 2], outer.Nodes.ToArray().Select(h => h.Node.Id));
    }

    [Fact]
    public void TheBuffersKeepNoGraphAlive()
    {
        WeakReference graph = SortAndForget();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(graph.IsAlive, "a graph sorted and let go should be collectable");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference SortAndForget()
    {
        Node leaf = new(0, [], false);
        Node root = new(1, [leaf, new Node(2, [leaf], false)], false);
        Assert.Equal([0, 2, 1], Sort(root));
        return new WeakReference(leaf);
    }

    /// <summary>The tensor engine's backward goes through the same iterative sort: a long chain (an RNN
    /// unrolled over many steps) needs no deep call stack.</summary>
    [Fact]
    public void ALongTensorChainBackpropagatesOnASmallStack()
    {
        const int length = 100_000;
        Tensor x = Tensor.Ones(1).RequireGrad();
        Tensor frozen = Tensor.Ones(1);              // requires no gradient: the sort does not follow it
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Tensor y = x;
                for (int i = 0; i < length; i++) y = y + x * frozen;
                y.Backward();
            }
            catch (Exception e) { failure = e; }
        }, maxStackSize: 256 * 1024);
        thread.Start();
        thread.Join();
        Assert.Null(failure);
        Assert.Equal(length + 1f, x.Grad!.ToArray()[0]);
        Assert.Null(frozen.Grad);
    }
}
