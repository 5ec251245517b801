using Pipelines.Numerics.Graphs;
using Pipelines.Numerics.Topology;
using Xunit;

namespace Pipelines.Numerics.Tests.Topology;

public sealed class PaulingElectronegativityTests
{
    [Theory]
    [InlineData(1, 2.20f)]
    [InlineData(6, 2.55f)]
    [InlineData(7, 3.04f)]
    [InlineData(8, 3.44f)]
    [InlineData(9, 3.98f)]
    [InlineData(16, 2.58f)]
    [InlineData(17, 3.16f)]
    [InlineData(35, 2.96f)]
    [InlineData(53, 2.66f)]
    public void TryGet_ReturnsThePaulingValue(int z, float chi)
    {
        Assert.True(PaulingElectronegativity.TryGet(z, out float value));
        Assert.Equal(chi, value);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(18)]
    [InlineData(87)]
    [InlineData(-6)]
    public void TryGet_RefusesNoblesGasesAndNonElements(int z) => Assert.False(PaulingElectronegativity.TryGet(z, out _));

    [Fact]
    public void Of_NamesTheNodeAndLabelItCannotPlace()
    {
        Assert.Equal(new[] { 2.55f, 3.44f, 2.20f }, PaulingElectronegativity.Of([6f, 8f, 1f]));
        UnknownAtomException e = Assert.Throws<UnknownAtomException>(() => PaulingElectronegativity.Of([6f, 8f, 99f]));
        Assert.Equal(2, e.Node);
        Assert.Equal(99f, e.Label);
        Assert.Contains("99", e.Message, StringComparison.Ordinal);
        Assert.Throws<UnknownAtomException>(() => PaulingElectronegativity.Of([6.5f]));
    }

    [Fact]
    public void VertexFunction_ReadsAtomicNumbersFromTheNodeLabels()
    {
        GraphStructure g = GraphStructure.Canonical(3, [(0, 1), (1, 2)]);
        Assert.Equal(new[] { 2.55f, 3.04f, 3.16f }, GraphVertexFunction.Compute(g, GraphVertexFunctionKind.Electronegativity, 10f, [6f, 7f, 17f]));
        ArgumentException e = Assert.Throws<ArgumentException>(() => GraphVertexFunction.Compute(g, GraphVertexFunctionKind.Electronegativity));
        Assert.Contains("atomic number", e.Message, StringComparison.Ordinal);
    }
}
