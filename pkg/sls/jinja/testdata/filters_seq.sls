{%- set people = [{'name': 'bob', 'age': 30, 'admin': true}, {'name': 'al', 'age': 25, 'admin': false}, {'name': 'cy', 'age': 35, 'admin': true}] %}
unique: {{ [1, 2, 1, 3, 2]|unique|list }}
sort: {{ [3, 1, 2]|sort }} {{ [3, 1, 2]|sort(reverse=true) }} {{ ['b', 'A', 'c']|sort }} {{ people|sort(attribute='age')|map(attribute='name')|join(',') }}
reverse: {{ [1, 2, 3]|reverse|list }} {{ 'abc'|reverse }}
firstlast: {{ [4, 5, 6]|first }} {{ [4, 5, 6]|last }} {{ 'xyz'|first }}
dictsort: {{ {'b': 1, 'a': 2}|dictsort }} {{ {'b': 1, 'a': 2}|dictsort(by='value') }}
map: {{ people|map(attribute='name')|list }} {{ ['a', 'b']|map('upper')|list }} {{ ['1', '2']|map('int')|sum }}
select: {{ [1, 2, 3, 4]|select('odd')|list }} {{ [1, 2, 3, 4]|reject('even')|list }} {{ [0, 1, '', 'x']|select|list }}
selectattr: {{ people|selectattr('admin')|map(attribute='name')|list }} {{ people|rejectattr('admin')|map(attribute='name')|list }} {{ people|selectattr('age', 'gt', 28)|map(attribute='name')|list }} {{ people|selectattr('name', 'equalto', 'al')|list|length }}
sum: {{ [1, 2, 3]|sum }} {{ people|sum(attribute='age') }}
minmax: {{ [3, 1, 2]|min }} {{ [3, 1, 2]|max }} {{ (people|max(attribute='age')).name }}
batch: {{ [1, 2, 3, 4, 5]|batch(2)|list }} {{ [1, 2, 3]|batch(2, 'x')|list }}
flatten: {{ [1, [2, [3, 4]], 5]|flatten }} {{ [1, [2, [3]]]|flatten(levels=1) }}
sets: {{ [1, 2, 3]|difference([2]) }} {{ [1, 2]|union([2, 3]) }} {{ [1, 2, 3]|intersect([2, 3, 4]) }}
items: {{ {'b': 1, 'a': 2}|items|list }}
