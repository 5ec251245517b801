using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Transforms.MLNet;
using Xunit;

namespace Pipelines.Transforms.Tests.MLNet;

public sealed class SchemaShapesTests
{
    [Fact]
    public void Column_MapsEachTypeToItsKind()
    {
        SchemaShape.Column known = SchemaShapes.Column("A", new VectorDataViewType(NumberDataViewType.Single, 3));
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, known.Kind);
        Assert.Equal(NumberDataViewType.Single, known.ItemType);
        Assert.Equal(SchemaShape.Column.VectorKind.VariableVector, SchemaShapes.Column("B", new VectorDataViewType(NumberDataViewType.Double)).Kind);
        SchemaShape.Column key = SchemaShapes.Column("C", new KeyDataViewType(typeof(uint), 4));
        Assert.Equal(SchemaShape.Column.VectorKind.Scalar, key.Kind);
        Assert.True(key.IsKey);
        Assert.Equal(NumberDataViewType.UInt32, key.ItemType);
        Assert.Equal(SchemaShapes.Column("D", new VectorDataViewType(NumberDataViewType.Single, 1)).ToString(), SchemaShapes.FloatVector("D").ToString());
    }

    [Fact]
    public void FromSchema_SkipsHiddenColumnsAndAppendReplacesByName()
    {
        var b = new DataViewSchema.Builder();
        b.AddColumn("X", NumberDataViewType.Single);
        b.AddColumn("X", TextDataViewType.Instance);
        b.AddColumn("Y", BooleanDataViewType.Instance);
        SchemaShape shape = SchemaShapes.FromSchema(b.ToSchema());
        Assert.Equal(["X", "Y"], shape.Select(c => c.Name));
        Assert.Equal(TextDataViewType.Instance, shape.Single(c => c.Name == "X").ItemType);
        SchemaShape appended = SchemaShapes.Append(shape, SchemaShapes.FloatVector("X"));
        Assert.Equal(["Y", "X"], appended.Select(c => c.Name));
        Assert.Contains("'Z'", Assert.Throws<ArgumentOutOfRangeException>(() => SchemaShapes.Require(shape, "Z")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ColumnConstructor_IsStillInternal()
    {
        // When ML.NET makes SchemaShape.Column constructible, this fails: delete the reflection in SchemaShapes.
        Assert.Empty(typeof(SchemaShape.Column).GetConstructors());
    }
}
