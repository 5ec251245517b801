namespace Pipelines.Numerics.Topology;

/// <summary>
/// One-parameter persistence over Z/2 of a <see cref="BigradedComplex"/> restricted to a monotone grid path, by the
/// standard column reduction with clearing (twist). Simplices are ordered by (path value, dimension, index), which is
/// a filtration order because faces come before cofaces in the complex. Reusable per thread (buffers kept).
/// </summary>
internal sealed class PathReducer(BigradedComplex complex, int maxDegree)
{
    private readonly int[] _value = new int[complex.Count];
    private readonly int[] _position = new int[complex.Count];
    private readonly int[] _pivotOwner = new int[complex.Count];
    private readonly bool[] _cleared = new bool[complex.Count];
    private readonly int[][] _columns = new int[complex.Count][];
    private readonly int[] _order = new int[complex.Count];

    /// <summary>
    /// Bars (degree, birth, death) in path values, death = <see cref="int.MaxValue"/> for essential classes; zero-length
    /// bars are dropped. <paramref name="pathValue"/> maps a simplex grade (x, y) to its entry time on the path, or a
    /// negative number when it never enters.
    /// </summary>
    public void Compute(Func<int, int, int> pathValue, List<(int Degree, int Birth, int Death)> bars)
    {
        bars.Clear();
        int m = 0;
        for (int s = 0; s < complex.Count; s++)
        {
            int v = complex.Dimension(s) <= maxDegree + 1 ? pathValue(complex.X(s), complex.Y(s)) : -1;
            _value[s] = v;
            if (v >= 0)
            {
                _order[m++] = s;
            }
        }

        Span<int> order = _order.AsSpan(0, m);
        int[] value = _value;
        order.Sort((a, b) =>
        {
            int c = value[a].CompareTo(value[b]);
            if (c != 0)
            {
                return c;
            }

            c = complex.Dimension(a).CompareTo(complex.Dimension(b));
            return c != 0 ? c : a.CompareTo(b);
        });
        for (int p = 0; p < m; p++)
        {
            _position[order[p]] = p;
            _pivotOwner[p] = -1;
            _cleared[p] = false;
        }

        // Twist: reduce the highest dimension first; a pivot's own column is then known to reduce to zero.
        for (int dim = maxDegree + 1; dim >= 1; dim--)
        {
            for (int p = 0; p < m; p++)
            {
                int s = order[p];
                if (complex.Dimension(s) != dim || _cleared[p])
                {
                    continue;
                }

                int[] column = Column(s);
                while (column.Length > 0)
                {
                    int owner = _pivotOwner[column[^1]];
                    if (owner < 0)
                    {
                        break;
                    }

                    column = SymmetricDifference(column, _columns[owner]);
                }

                _columns[p] = column;
                if (column.Length > 0)
                {
                    int low = column[^1];
                    _pivotOwner[low] = p;
                    _cleared[low] = true;
                    int birth = value[order[low]];
                    int death = value[s];
                    if (death > birth && dim - 1 <= maxDegree)
                    {
                        bars.Add((dim - 1, birth, death));
                    }
                }
            }
        }

        // Essential classes: positive simplices (zero column or dimension 0) of degree ≤ maxDegree never paired.
        for (int p = 0; p < m; p++)
        {
            int s = order[p];
            int dim = complex.Dimension(s);
            if (dim > maxDegree || _cleared[p])
            {
                continue;
            }

            if (dim == 0 || _columns[p] is { Length: 0 })
            {
                bars.Add((dim, value[s], int.MaxValue));
            }
        }

        for (int p = 0; p < m; p++)
        {
            _columns[p] = null!;
        }
    }

    private int[] Column(int s)
    {
        ReadOnlySpan<int> boundary = complex.Boundary(s);
        var column = new int[boundary.Length];
        for (int k = 0; k < boundary.Length; k++)
        {
            column[k] = _position[boundary[k]];
        }

        Array.Sort(column);
        return column;
    }

    private static int[] SymmetricDifference(int[] a, int[] b)
    {
        var r = new int[a.Length + b.Length];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] == b[j])
            {
                i++;
                j++;
            }
            else if (a[i] < b[j])
            {
                r[k++] = a[i++];
            }
            else
            {
                r[k++] = b[j++];
            }
        }

        while (i < a.Length)
        {
            r[k++] = a[i++];
        }

        while (j < b.Length)
        {
            r[k++] = b[j++];
        }

        return r[..k];
    }
}
